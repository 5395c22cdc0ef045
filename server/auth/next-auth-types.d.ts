import type { DefaultSession } from "next-auth";
import type { UserType } from "../../lib/records";

// What our callbacks add to Auth.js's types (see auth-options.ts).
declare module "next-auth" {
  interface Session {
    user: { id: string; type: UserType } & DefaultSession["user"];
  }
  interface User {
    guestSessionId?: string;
    guestExpiresAt?: string;
  }
}
