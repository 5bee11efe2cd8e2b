// A Signpost slot: the app renders the element, Signpost owns what is inside it. The edge fills
// it in the served HTML, the SDK when the app renders it later. `dangerouslySetInnerHTML` with a
// constant "" tells Preact the children are not its own: hydration keeps what the edge put there
// (without it Preact removes children it did not render), and a re-render never resets them
// (Preact writes innerHTML only when `__html` changes).
export function Slot({ name, as: Tag = "div", ...rest }) {
  return <Tag {...rest} data-sp-slot={name} dangerouslySetInnerHTML={{ __html: "" }} />;
}
