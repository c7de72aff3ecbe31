#!/usr/bin/env node
// t/lib/dpop-mint.mjs: DPoP keys, proofs (RFC 9449) and sender-constrained
// access tokens for the test suites, made with npm's jose (t/package.json,
// installed into t/node_modules by make), independently of the module.
//
//   node t/lib/dpop-mint.mjs '<request JSON>'     (or the JSON on stdin)
//
// A request is an object, or an array of them (one answer each, in an
// array); every answer is one JSON object on stdout.  Errors go to stderr,
// exit 1.  t/lib/AuthTokenSender.pm wraps it for the suites.
//
// {"cmd": "keypair", "alg": "ES256"}
//     a new key pair: {alg, private_jwk, public_jwk, jkt}
//     (alg: ES256, ES384, ES512, RS256, PS256, EdDSA)
//
// {"cmd": "key", "key": "ec256"}
//     a fixed client key of t/keys/sender/dpop-<key>.pem (ec256, ec256b,
//     rsa, ed25519): {alg, public_jwk, jkt}; "key" may also be a private
//     JWK (from "keypair") wherever a key is asked for
//
// {"cmd": "proof", "key": "ec256", "alg": "ES256", "htm": "GET",
//  "htu": "http://localhost/t", "iat": 1700000000, "jti": "...",
//  "token": "<access token>" | "ath": "...", "nonce": "...",
//  "header": {...}, "claims": {...}, "broken": "..."}
//     a proof: {proof, jkt, jti, iat}.  Defaults: the key's alg (ES256 for
//     ec256, RS256 for rsa, EdDSA for ed25519), htm GET, iat now, a random
//     jti, ath from "token" when given.  "header" and "claims" are merged
//     last (a null value removes the member).  "broken":
//       typ        "typ": "JWT"
//       hs256      HS256, an HMAC with a made-up secret (jwk kept)
//       none       "alg": "none", no signature
//       private    the jwk with the private members ("d"...)
//       nojwk      no jwk
//       wrongkey   the jwk of another key (ec256b, or ec256)
//       signature  one byte of the signature changed
//
// {"cmd": "token", "dpop_key": "ec256" | "jkt": "...", "x5t": "...",
//  "signer": "rsa1", "alg": "RS256", "kid": "rsa1", "claims": {...}}
//     an access token (JWT) signed with a test key of t/keys (the kids of
//     t/keys/jwks.json by default), claims as AuthTokenTest::jwt makes
//     them (iss https://idp.example.com, aud api, sub user-42, iat now,
//     exp in an hour) plus "cnf": {"jkt": ...} and/or {"x5t#S256": ...}:
//     {token, jkt, x5t}
//
// {"cmd": "dpop", ...}
//     both at once: a token bound to the proof's key ("token" options
//     under "token": {...}), and a proof with its ath: {token, proof, jkt}

import { readFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as jose from 'jose';

const here = dirname(fileURLToPath(import.meta.url));
const keysDir = join(here, '..', 'keys');

const DPOP_KEYS = {
    ec256: ['dpop-ec256.pem', 'ES256'],
    ec256b: ['dpop-ec256b.pem', 'ES256'],
    rsa: ['dpop-rsa.pem', 'RS256'],
    ed25519: ['dpop-ed25519.pem', 'EdDSA'],
};

// the signers of access tokens: t/keys/<name>.pem and the kids of jwks.json
const KIDS = {
    rsa1: 'rsa1', rsa2: 'rsa2', ec256: 'ec256', ec384: 'ec384',
    ec521: 'ec521', ed25519: 'ed1',
};

const SIGNER_ALG = {
    rsa1: 'RS256', rsa2: 'RS256', ec256: 'ES256', ec384: 'ES384',
    ec521: 'ES512', ed25519: 'EdDSA',
};

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

// a client key: {alg, privateKey, privateJwk, publicJwk, jkt}
async function clientKey(key, alg) {
    let privateKey, privateJwk;

    if (key === undefined) {
        key = 'ec256';
    }

    if (typeof key === 'string') {
        const entry = DPOP_KEYS[key];
        if (!entry) {
            throw new Error(`unknown DPoP key "${key}"`);
        }
        alg = alg || entry[1];
        const pem = readFileSync(join(keysDir, 'sender', entry[0]), 'utf8');
        privateKey = await jose.importPKCS8(pem, alg, { extractable: true });
        privateJwk = await jose.exportJWK(privateKey);

    } else {
        privateJwk = key;
        alg = alg || key.alg || defaultAlg(key);
        privateKey = await jose.importJWK(key, alg);
    }

    const publicJwk = { ...privateJwk };
    for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']) {
        delete publicJwk[m];
    }
    delete publicJwk.alg;

    return {
        alg, privateKey, privateJwk, publicJwk,
        jkt: await jose.calculateJwkThumbprint(publicJwk, 'sha256'),
    };
}

function defaultAlg(jwk) {
    if (jwk.kty === 'EC') {
        return { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }[jwk.crv];
    }
    return jwk.kty === 'OKP' ? 'EdDSA' : 'RS256';
}

// merge overrides; a null value removes the member
function merge(base, over) {
    const out = { ...base };
    for (const [k, v] of Object.entries(over || {})) {
        if (v === null) {
            delete out[k];
        } else {
            out[k] = v;
        }
    }
    return out;
}

// a "crit" header is signed as asked: jose is told it knows those names
async function sign(header, payload, key) {
    const bytes = new TextEncoder().encode(JSON.stringify(payload));
    const crit = Object.fromEntries((Array.isArray(header.crit) ? header.crit
                                                               : [])
                                    .map((name) => [name, true]));
    return new jose.CompactSign(bytes).setProtectedHeader(header)
                                      .sign(key, { crit });
}

async function keypair(req) {
    const alg = req.alg || 'ES256';
    const { privateKey } = await jose.generateKeyPair(alg,
                                                      { extractable: true });
    const k = await clientKey(await jose.exportJWK(privateKey), alg);
    return { alg, private_jwk: k.privateJwk, public_jwk: k.publicJwk,
             jkt: k.jkt };
}

async function key(req) {
    const k = await clientKey(req.key, req.alg);
    return { alg: k.alg, public_jwk: k.publicJwk, jkt: k.jkt };
}

async function proof(req) {
    const k = await clientKey(req.key, req.alg);
    const broken = req.broken || '';

    let header = { typ: 'dpop+jwt', alg: k.alg, jwk: k.publicJwk };
    let claims = {
        jti: req.jti || b64url(randomBytes(16)),
        htm: req.htm || 'GET',
        htu: req.htu || 'http://localhost/',
        iat: req.iat === undefined ? now() : req.iat,
    };

    if (req.ath !== undefined) {
        claims.ath = req.ath;
    } else if (req.token !== undefined) {
        claims.ath = createHash('sha256').update(req.token, 'utf8')
                                         .digest('base64url');
    }

    if (req.nonce !== undefined) {
        claims.nonce = req.nonce;
    }

    switch (broken) {
    case '':
    case 'signature':
    case 'hs256':
    case 'none':
        break;
    case 'typ':
        header.typ = 'JWT';
        break;
    case 'private':
        header.jwk = { ...k.privateJwk };
        delete header.jwk.alg;
        break;
    case 'nojwk':
        delete header.jwk;
        break;
    case 'wrongkey':
        header.jwk = (await clientKey(req.key === 'ec256b' ? 'ec256'
                                                           : 'ec256b'))
                     .publicJwk;
        break;
    default:
        throw new Error(`unknown "broken": ${broken}`);
    }

    if (broken === 'hs256') {
        header.alg = 'HS256';
    } else if (broken === 'none') {
        header.alg = 'none';
    }

    header = merge(header, req.header);
    claims = merge(claims, req.claims);

    let jws;

    if (broken === 'none') {
        jws = b64url(JSON.stringify(header)) + '.'
              + b64url(JSON.stringify(claims)) + '.';

    } else if (broken === 'hs256') {
        jws = await sign(header, claims,
                         new TextEncoder().encode('a made-up HMAC secret, '
                                                  + 'shared by nobody'));
    } else {
        jws = await sign(header, claims, k.privateKey);
    }

    if (broken === 'signature') {
        const [h, p, s] = jws.split('.');
        const sig = Buffer.from(s, 'base64url');
        sig[0] ^= 0x5a;
        jws = `${h}.${p}.${b64url(sig)}`;
    }

    return { proof: jws, jkt: k.jkt, jti: claims.jti, iat: claims.iat };
}

async function token(req) {
    const signer = req.signer || 'rsa1';
    const alg = req.alg || SIGNER_ALG[signer] || 'RS256';
    const kid = req.kid === undefined ? KIDS[signer] : req.kid;
    const pem = readFileSync(join(keysDir, `${signer}.pem`), 'utf8');
    const signKey = await jose.importPKCS8(pem, alg);
    const t = now();

    let jkt = req.jkt;
    if (jkt === undefined && req.dpop_key !== undefined) {
        jkt = (await clientKey(req.dpop_key)).jkt;
    }

    const cnf = {};
    if (jkt !== undefined && jkt !== null) {
        cnf.jkt = jkt;
    }
    if (req.x5t !== undefined && req.x5t !== null) {
        cnf['x5t#S256'] = req.x5t;
    }

    let claims = {
        iss: 'https://idp.example.com', aud: 'api', sub: 'user-42',
        iat: t, exp: t + 3600,
    };
    if (Object.keys(cnf).length) {
        claims.cnf = cnf;
    }
    claims = merge(claims, req.claims);

    const header = merge(kid === null ? { alg } : { alg, kid },
                         req.header);

    return {
        token: await sign(header, claims, signKey),
        jkt: jkt === undefined ? null : jkt,
        x5t: req.x5t === undefined ? null : req.x5t,
    };
}

async function dpop(req) {
    const k = await clientKey(req.key, req.alg);
    const t = await token({ jkt: k.jkt, ...(req.token || {}) });
    const p = await proof({ ...req, token: t.token });
    return { token: t.token, proof: p.proof, jkt: k.jkt };
}

const COMMANDS = { keypair, key, proof, token, dpop };

async function answer(req) {
    const f = COMMANDS[req.cmd];
    if (!f) {
        throw new Error(`unknown cmd "${req.cmd}"`);
    }
    return f(req);
}

async function main() {
    const text = process.argv[2] !== undefined ? process.argv[2]
                                               : readFileSync(0, 'utf8');
    const req = JSON.parse(text);
    const out = Array.isArray(req) ? await Promise.all(req.map(answer))
                                   : await answer(req);
    process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
    process.stderr.write(`dpop-mint: ${e.message}\n`);
    process.exit(1);
});
