// Which build this is. The source says development; the default build (dist/*.mjs, *.cjs and the
// UMD file) is made with `dev` false, which drops what only helps while writing the app.

/**
 * True in the development build, which bundlers pick through the `development` export condition
 * (Vite's dev server, webpack in development mode, `node --conditions=development`); false in the
 * default build. Only the wording of {@link InvalidArgumentError} differs: both builds check every
 * argument and throw the same error naming it and the value; the development build also says what
 * was expected.
 */
export const dev: boolean = true;
