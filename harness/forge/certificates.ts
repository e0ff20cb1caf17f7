// Self-signed X.509 certificates for the x5u and x5c attacks (RFC 7515 §4.1.5, §4.1.6).
import { KeyObject, webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';

/** @peculiar/x509, loaded by the first certificate: a worker whose checks need none does not pay for it. */
let library: Promise<typeof X509> | undefined;
function x509Library(): Promise<typeof X509> {
  library ??= (async () => {
    await import('reflect-metadata'); // @peculiar/x509's dependency injection needs it loaded first
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  })();
  return library;
}

export interface SelfSignedCertificate {
  /** PEM, as an x5u URL would serve it. */
  pem: string;
  /** Base64 DER, as an x5c entry carries it. */
  der: string;
  /** The key the certificate certifies, to sign tokens with (ES256). */
  privateKey: KeyObject;
}

export async function selfSignedCertificate(commonName = 'attacker.invalid'): Promise<SelfSignedCertificate> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const x509 = await x509Library();
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${commonName}`,
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + 86_400_000),
    signingAlgorithm: algorithm,
    keys: keys as Parameters<typeof X509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
  });
  return {
    pem: certificate.toString('pem'),
    der: Buffer.from(certificate.rawData).toString('base64'),
    privateKey: KeyObject.from(keys.privateKey),
  };
}
