// Which build this is. The source says development; the default build (dist/*.mjs, *.cjs and the
// UMD file) is made with `dev` false, which drops what only helps while writing the app.

/**
 * True in the development build, which bundlers pick through the `development` export condition
 * (Vite's dev server, webpack in development mode, `node --conditions=development`); false in the
 * default build. Only wording differs: both builds check every argument and throw the same
 * {@link InvalidArgumentError} naming it and the value, and the development build also says what
 * was expected; after a failed preflight request, or a page where a WebSocket server should be,
 * it also says what to check.
 */
export const dev: boolean = true;
