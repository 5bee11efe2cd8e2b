// D1 for measurement (binding SIGNPOST_DB): runs the statements Rust builds from
// signpost::measure::sql and hands the results back as JSON text. Nothing else lives here.

/** Runs `[[sql, params], ...]` (JSON text) as one batch: all or none. */
export async function d1Batch(env, statements) {
  const db = env.SIGNPOST_DB;
  await db.batch(JSON.parse(statements).map(([sql, params]) => db.prepare(sql).bind(...params)));
}

/** Inserts rows with `insert` (each text in `rows` its one parameter: a JSON array of rows, as
 *  it came off the queue) and runs `[[sql, params], ...]` (JSON text) after them, as one
 *  batch: all or none. */
export async function d1Insert(env, insert, rows, statements) {
  const db = env.SIGNPOST_DB;
  const into = db.prepare(insert);
  const rest = JSON.parse(statements).map(([sql, params]) => db.prepare(sql).bind(...params));
  await db.batch([...rows.map((text) => into.bind(text)), ...rest]);
}

/** One query's result rows, as JSON text. */
export async function d1All(env, sql, params) {
  const { results } = await env.SIGNPOST_DB.prepare(sql)
    .bind(...JSON.parse(params))
    .all();
  return JSON.stringify(results);
}
