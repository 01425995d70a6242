// Hiding secrets before a URL or a message reaches an error, an event or a log: credential-like
// query values and userinfo, in parseable URLs, in any text that quotes one, and in the platform's
// own errors (a fetch or a WebSocket constructor quotes the URL it refused, credentials and all).

/**
 * Query parameters whose values are hidden: anything naming a token, key, secret, signature,
 * password or session, AWS SigV4 (`X-Amz-*`), and Azure SAS fields (`sv`, `se`, `sr`, `sp`, `sig`).
 */
const secretParameter =
  /token|key|secret|sig|auth|pass|pwd|session|jwt|credential|code|bearer|ticket|hmac|otp|^x-amz-|^(sv|se|sr|sp|st)$/i;

/**
 * `url` with the values of secret-looking query parameters (token, access_token, key, signature,
 * password, bearer, ticket, X-Amz-*, Azure SAS…) and any userinfo replaced by `REDACTED`, for
 * errors, events and logs. Works on text, so a URL that does not parse is redacted too.
 */
export const redactUrl = (url: string): string => redactText(url);

/**
 * `text` with every `name=value` after `?`, `&` or `;` whose name looks secret, and every
 * `//user:password@`, redacted: for messages that quote a URL which may not even parse.
 */
export function redactText(text: string): string {
  return text
    .replace(/\/\/[^/\s@?#"']+@/g, '//REDACTED:REDACTED@')
    .replace(/([?&;])([^=&\s"'#?;]+)=([^&\s"'#;]*?)(?=[.,:)]?(?:[&\s"'#;]|$))/g, (all, separator, name) =>
      secretParameter.test(name) ? `${separator}${name}=REDACTED` : all,
    );
}

/**
 * An Error with the name of `error` (a platform's error, or anything thrown) and its message
 * redacted: what the SDK hands out as a `cause` or an outcome's `error`.
 */
export function redactError(error: unknown): Error {
  const { name = 'Error', message = error } = Object(error) as Error;
  return Object.assign(new Error(redactText(`${message}`)), { name });
}
