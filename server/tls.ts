// TLS material for --tls: a private CA and a serving certificate signed by it, made with node:crypto
// alone (ECDSA P-256 keys, the X.509 DER written here), kept in a directory and reused on later
// starts. Clients verify the server against ca.crt, which the written kubeconfig embeds.
import { X509Certificate, createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { readIfExists } from '../store/files.js';

/** PEM texts of one server's TLS material. */
export interface TlsMaterial {
  /** The directory holding ca.crt, ca.key, server.crt and server.key. */
  dir: string;
  /** The CA certificate clients trust (PEM). */
  ca: string;
  /** The serving certificate (PEM). */
  cert: string;
  /** The serving certificate's private key (PKCS#8 PEM). */
  key: string;
  /** What this call did: made a new CA and certificate, reissued the certificate, or reused both. */
  action: 'generated' | 'reissued' | 'reused';
}

export interface TlsOptions {
  /** Extra names or addresses the serving certificate must carry (the --host), beside the loopback ones. */
  hosts?: readonly string[];
  now?: Date;
}

/** Names every serving certificate carries: clients reach a local server by these. */
export const LOOPBACK_SANS = ['localhost', '127.0.0.1', '::1'] as const;

const DAY_MS = 86_400_000;
const CA_VALIDITY_DAYS = 3650;
const SERVER_VALIDITY_DAYS = 825;
/** A reused serving certificate closer than this to expiry is reissued. */
const RENEW_BEFORE_DAYS = 30;

// ---- DER, just enough for certificates ---------------------------------------------------------

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  if (n < 0x80) return Buffer.concat([Buffer.from([tag, n]), content]);
  const length: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) length.unshift(v & 0xff);
  return Buffer.concat([Buffer.from([tag, 0x80 | length.length, ...length]), content]);
}
const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const octetString = (content: Buffer): Buffer => tlv(0x04, content);
const bool = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0]));
const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 + n, content);
const bitString = (content: Buffer, unusedBits = 0): Buffer => tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]));

/** A non-negative INTEGER from big-endian bytes. */
function integer(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const trimmed = bytes.subarray(i);
  return tlv(0x02, trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes = [first! * 40 + second!];
  for (const arc of rest) {
    const encoded = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) encoded.unshift((v & 0x7f) | 0x80);
    bytes.push(...encoded);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const name = (commonName: string, organization?: string): Buffer =>
  sequence(
    ...(organization ? [set(sequence(oid('2.5.4.10'), tlv(0x0c, Buffer.from(organization))))] : []),
    set(sequence(oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName)))),
  );

const extension = (id: string, critical: boolean, value: Buffer): Buffer => sequence(oid(id), ...(critical ? [bool(true)] : []), octetString(value));

/** keyUsage bits, numbered as RFC 5280 names them (digitalSignature 0, keyCertSign 5, cRLSign 6). */
function keyUsage(bits: readonly number[]): Buffer {
  const last = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(last / 8) + 1);
  for (const b of bits) bytes[Math.floor(b / 8)]! |= 0x80 >> b % 8;
  return bitString(bytes, 7 - (last % 8));
}

/** An IPv4 or IPv6 address as the 4 or 16 bytes an iPAddress SAN holds. */
export function addressBytes(address: string): Buffer {
  const ip = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  if (isIP(ip) !== 6) throw new Error(`not an IP address: ${address}`);
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const text = ip.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`);
  const [head, rest] = text.split('::') as [string, string | undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const front = groups(head);
  const back = groups(rest);
  const words = rest === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  const out = Buffer.alloc(16);
  words.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

function subjectAltNames(hosts: readonly string[]): Buffer {
  return sequence(...hosts.map((h) => (isIP(h.replace(/^\[|\]$/g, '')) ? tlv(0x87, addressBytes(h)) : tlv(0x82, Buffer.from(h)))));
}

const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));

interface CertificateSpec {
  subject: Buffer;
  issuer: Buffer;
  publicKey: KeyObject;
  signingKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  extensions: Buffer[];
}

/** Builds and signs one X.509 v3 certificate; returns it as PEM. */
function certificate(spec: CertificateSpec): string {
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  serial[0]! |= 0x01;
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    ECDSA_WITH_SHA256,
    spec.issuer,
    sequence(time(spec.notBefore), time(spec.notAfter)),
    spec.subject,
    spec.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...spec.extensions)),
  );
  const signature = sign('sha256', tbs, { key: spec.signingKey, dsaEncoding: 'der' });
  const der = sequence(tbs, ECDSA_WITH_SHA256, bitString(signature));
  const lines = der.toString('base64').match(/.{1,64}/g)!;
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** The subject key identifier: SHA-1 of the public key's DER (RFC 7093 allows any stable method). */
const keyId = (key: KeyObject): Buffer => createHash('sha1').update(key.export({ type: 'spki', format: 'der' })).digest();

function newKeyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

/** A self-signed CA certificate and its key. */
export function createCertificateAuthority(now: Date, commonName = 'kubemock-ca'): { cert: string; key: string } {
  const { publicKey, privateKey } = newKeyPair();
  const subject = name(`${commonName}@${Math.floor(now.getTime() / 1000)}`, 'kubemock');
  const cert = certificate({
    subject,
    issuer: subject,
    publicKey,
    signingKey: privateKey,
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
    extensions: [
      extension('2.5.29.19', true, sequence(bool(true))), // basicConstraints: CA
      extension('2.5.29.15', true, keyUsage([0, 5, 6])), // digitalSignature, keyCertSign, cRLSign
      extension('2.5.29.14', false, octetString(keyId(publicKey))),
    ],
  });
  return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

/** A serving certificate for hosts (DNS names and IP addresses), signed by the CA. */
export function createServingCertificate(ca: { cert: string; key: string }, hosts: readonly string[], now: Date): { cert: string; key: string } {
  const caCert = new X509Certificate(ca.cert);
  const caKey = createPrivateKey(ca.key);
  const { publicKey, privateKey } = newKeyPair();
  const cert = certificate({
    subject: name('kubemock', 'kubemock'),
    issuer: issuerName(caCert),
    publicKey,
    signingKey: caKey,
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + SERVER_VALIDITY_DAYS * DAY_MS),
    extensions: [
      extension('2.5.29.19', true, sequence()), // basicConstraints: not a CA
      extension('2.5.29.15', true, keyUsage([0])), // digitalSignature (ECDHE with an ECDSA key)
      extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'))), // extKeyUsage: serverAuth
      extension('2.5.29.35', false, sequence(tlv(0x80, keyId(caCert.publicKey)))), // authorityKeyIdentifier
      extension('2.5.29.17', false, subjectAltNames(hosts)),
    ],
  });
  return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

/** The CA certificate's subject Name, byte for byte, read from its DER (the issuer must match exactly). */
function issuerName(caCert: X509Certificate): Buffer {
  const der = caCert.raw;
  // Certificate SEQUENCE > tbsCertificate SEQUENCE > [version, serial, signature, issuer, validity, subject, ...]
  let pos = 0;
  const header = (at: number): { tag: number; start: number; end: number } => {
    const tag = der[at]!;
    let len = der[at + 1]!;
    let start = at + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + der[start + i]!;
      start += n;
    }
    return { tag, start, end: start + len };
  };
  const cert = header(pos);
  const tbs = header(cert.start);
  pos = tbs.start;
  const fields: Array<{ start: number; end: number }> = [];
  while (pos < tbs.end && fields.length < 6) {
    const field = header(pos);
    fields.push({ start: pos, end: field.end });
    pos = field.end;
  }
  const subject = fields[0] && der[fields[0].start] === 0xa0 ? fields[5] : fields[4];
  return Buffer.from(der.subarray(subject!.start, subject!.end));
}

// ---- the directory ------------------------------------------------------------------------------

/** The names a serving certificate for this --host must carry: the loopback ones, and the host unless it is a wildcard. */
export function servingHosts(hosts: readonly string[] = []): string[] {
  const out: string[] = [...LOOPBACK_SANS];
  for (const raw of hosts) {
    const host = raw.replace(/^\[|\]$/g, '');
    if (host === '' || host === '0.0.0.0' || host === '::') continue;
    const known = out.some((h) => (isIP(h) && isIP(host) ? addressBytes(h).equals(addressBytes(host)) : h.toLowerCase() === host.toLowerCase()));
    if (!known) out.push(host);
  }
  return out;
}

async function writeAtomically(file: string, text: string, mode: number): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, text, { mode });
  await chmod(temp, mode);
  await rename(temp, file);
}

/** Whether cert is signed by ca, matches key, covers every host and stays valid past the renewal margin. */
function fitsFor(cert: string, key: string, ca: string, hosts: readonly string[], now: Date): boolean {
  try {
    const x509 = new X509Certificate(cert);
    if (!x509.verify(new X509Certificate(ca).publicKey)) return false;
    if (!x509.checkPrivateKey(createPrivateKey(key))) return false;
    if (new Date(x509.validTo).getTime() - now.getTime() < RENEW_BEFORE_DAYS * DAY_MS) return false;
    if (new Date(x509.validFrom).getTime() > now.getTime()) return false;
    return hosts.every((h) => (isIP(h) ? x509.checkIP(h) !== undefined : x509.checkHost(h) !== undefined));
  } catch {
    return false;
  }
}

/**
 * Loads the TLS material in dir, making what is missing: a CA (ca.crt, ca.key) on first use, and a
 * serving certificate (server.crt, server.key) whenever the kept one does not fit (new --host,
 * near expiry). Without ca.key (material you brought) the files are used as they are.
 */
export async function ensureTlsMaterial(dir: string, options: TlsOptions = {}): Promise<TlsMaterial> {
  const now = options.now ?? new Date();
  const hosts = servingHosts(options.hosts);
  const files = { ca: path.join(dir, 'ca.crt'), caKey: path.join(dir, 'ca.key'), cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key') };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const [ca, caKey, cert, key] = await Promise.all([readIfExists(files.ca), readIfExists(files.caKey), readIfExists(files.cert), readIfExists(files.key)]);
  if (ca && cert && key && (caKey === undefined || fitsFor(cert, key, ca, hosts, now))) return { dir, ca, cert, key, action: 'reused' };

  let authority: { cert: string; key: string };
  let action: TlsMaterial['action'] = 'reissued';
  if (ca && caKey && caUsable(ca, caKey, now)) authority = { cert: ca, key: caKey };
  else {
    authority = createCertificateAuthority(now);
    action = 'generated';
    await writeAtomically(files.caKey, authority.key, 0o600);
    await writeAtomically(files.ca, authority.cert, 0o644);
  }
  const serving = createServingCertificate(authority, hosts, now);
  await writeAtomically(files.key, serving.key, 0o600);
  await writeAtomically(files.cert, serving.cert, 0o644);
  return { dir, ca: authority.cert, cert: serving.cert, key: serving.key, action };
}

function caUsable(ca: string, caKey: string, now: Date): boolean {
  try {
    const x509 = new X509Certificate(ca);
    return x509.ca && x509.checkPrivateKey(createPrivateKey(caKey)) && new Date(x509.validTo).getTime() - now.getTime() > SERVER_VALIDITY_DAYS * DAY_MS;
  } catch {
    return false;
  }
}
