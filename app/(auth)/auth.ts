import NextAuth from "next-auth";
import { createAuthOptions } from "@/server/auth/auth-options";

// The lazy form: the Google callback needs the request (its guest cookie) to keep a guest's work.
export const { handlers, auth, signIn, signOut } = NextAuth((request) => createAuthOptions(request));
