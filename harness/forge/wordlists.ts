// HMAC secrets a careless deployment uses. Better Auth's own defaults come first; the rest follows
// the most common entries of jwt_tool's jwt-common.txt and public JWT secret lists.
export const BETTER_AUTH_DEFAULT_SECRETS = ['better-auth-secret-12345678901234567890', 'better-auth-secret-123456789'];

export const WEAK_HMAC_SECRETS = [
  ...BETTER_AUTH_DEFAULT_SECRETS,
  'your-secret-key', 'your_secret_key', 'your-256-bit-secret', 'your-384-bit-secret', 'your-512-bit-secret',
  'secret', 'secretkey', 'secret-key', 'secret_key', 'mysecret', 'my-secret', 'my_secret', 'supersecret', 'topsecret',
  'jwt', 'jwt-secret', 'jwt_secret', 'jwtsecret', 'JWT_SECRET', 'jwtkey', 'jwt-key', 'token', 'tokensecret', 'auth',
  'auth-secret', 'authsecret', 'BETTER_AUTH_SECRET', 'password', 'Password', 'password1', 'passw0rd', '123456',
  '12345678', 'qwerty', 'admin', 'changeme', 'changeit', 'default', 'test', 'testing', 'dev', 'development',
  'key', 'private', 'shhhhh', 'shhhhhhared-secret', 'gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr9C', 'hard!to-guess_secret',
  'ThisIsMySuperSecretKey', 'keyboard cat', 'a-string-secret-at-least-256-bits-long', 'example', 'sample',
];

/** Offline: a shared secret in this wordlist, or shorter than 32 bytes (RFC 7518 §3.2 for HS256), is weak. */
export function sharedSecretStrength(secret: string): { bytes: number; inWordlist: boolean } {
  return { bytes: Buffer.byteLength(secret, 'utf8'), inWordlist: WEAK_HMAC_SECRETS.includes(secret) };
}
