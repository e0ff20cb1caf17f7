// ecdsa-sig-formatter ships no types: the two functions the suite uses (SIG-ES-DER, and the fixture
// flaw that accepts DER), as its README documents them.
declare module 'ecdsa-sig-formatter' {
  /** JOSE R‖S (base64url or bytes) to ASN.1 DER. */
  export function joseToDer(signature: string | Buffer, alg: string): Buffer;
  /** ASN.1 DER to JOSE R‖S, base64url. */
  export function derToJose(signature: string | Buffer, alg: string): string;
}
