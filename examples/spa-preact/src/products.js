// The example's catalog (a real app would fetch it).
export const PRODUCTS = [
  { id: "tent-summit-2p", name: "Summit 2P tent", price: 349 },
  { id: "tent-basecamp-4p", name: "Basecamp 4P tent", price: 529 },
  { id: "stove-mini", name: "Mini stove", price: 59 },
];
