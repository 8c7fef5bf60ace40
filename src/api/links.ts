/** Where the API's links point (see `baseUrlOf` in src/api/deps.ts): `publicUrl` without a trailing slash, e.g. `http://127.0.0.1:8080`. */
export interface Links {
  baseUrl: string;
}
