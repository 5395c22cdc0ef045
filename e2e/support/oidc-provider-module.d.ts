// oidc-provider ships no type declarations; these are the parts e2e/support/oidc-provider.ts uses.
declare module "oidc-provider" {
  import type { Server } from "node:http";

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    listen(port: number, host: string, callback: () => void): Server;
  }
}
