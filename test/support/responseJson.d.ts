// Tests read many JSON bodies of known shape; `unknown` from fetch's typings would only add casts.
declare global {
  interface Response {
    json(): Promise<any>;
  }
}
export {};
