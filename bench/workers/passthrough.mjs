// (a) The limit: a Worker that fetches the page from the origin and returns it untouched.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    return fetch(env.ORIGIN + url.pathname + url.search, { headers: request.headers });
  },
};
