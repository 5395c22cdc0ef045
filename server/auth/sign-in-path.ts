/** Where signed-out people are sent; Auth.js's `pages.signIn` and proxy.ts both use it. */
export const signInPath = "/sign-in";
