#!/usr/bin/env node
// bench/dpop-proofs.mjs - DPoP proofs for the benchmark (bench/run.sh)
//
//   node bench/dpop-proofs.mjs KEY.pem TOKEN_FILE HTU N OUT [PREFIX]
//
// Writes N distinct ES256 proofs (RFC 9449) for GET HTU, signed with the
// P-256 private key KEY.pem, each with the ath of the access token in
// TOKEN_FILE, one a line, into OUT (through OUT.tmp); their jtis start
// with PREFIX ("b" by default: files with other prefixes never collide).  Every proof is good
// for one request only (the module remembers its jti), so a run needs as
// many as it sends.  jose (t/lib/dpop-mint.mjs) makes the proofs of the
// test suites; here node:crypto signs directly, synchronously, about ten
// times faster.  The iat values go up by a second every 1,000 proofs and
// end an hour ago: the bench location's auth_token_dpop_window (1d) takes
// them all, and jtis forgotten by a full zone are always older than the
// proofs still to come (a full zone refuses a proof no newer than a jti it
// forgot).

import { createHash, createPrivateKey, createPublicKey, sign }
    from 'node:crypto';
import { closeSync, openSync, readFileSync, renameSync, writeSync }
    from 'node:fs';

const [keyFile, tokenFile, htu, nArg, out, prefix = 'b']
    = process.argv.slice(2);
const n = Number(nArg);

if (!out || !(n > 0)) {
    process.stderr.write('usage: dpop-proofs.mjs KEY.pem TOKEN_FILE HTU N'
                         + ' OUT [PREFIX]\n');
    process.exit(2);
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');

const key = createPrivateKey(readFileSync(keyFile, 'utf8'));
const jwk = createPublicKey(key).export({ format: 'jwk' });
const token = readFileSync(tokenFile, 'utf8').trim();
const ath = createHash('sha256').update(token).digest('base64url');

const header = b64url(JSON.stringify({
    typ: 'dpop+jwt', alg: 'ES256',
    jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y },
}));

const start = Math.floor(Date.now() / 1000) - 3600 - Math.ceil(n / 1000);
const fd = openSync(`${out}.tmp`, 'w');
let buf = [];

for (let i = 0; i < n; i++) {
    const claims = b64url(JSON.stringify({
        jti: prefix + i.toString(36).padStart(10, '0'),
        htm: 'GET', htu, iat: start + Math.floor(i / 1000), ath,
    }));
    const input = `${header}.${claims}`;
    const sig = sign('sha256', Buffer.from(input),
                     { key, dsaEncoding: 'ieee-p1363' });
    buf.push(`${input}.${b64url(sig)}\n`);

    if (buf.length === 10000) {
        writeSync(fd, buf.join(''));
        buf = [];
    }
}

writeSync(fd, buf.join(''));
closeSync(fd);
renameSync(`${out}.tmp`, out);
