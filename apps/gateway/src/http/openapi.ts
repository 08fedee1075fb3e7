const bytes = { type: 'string', contentEncoding: 'base64' } as const;
const problem = { $ref: '#/components/schemas/Problem' } as const;
const errors = Object.fromEntries(
  ['400', '401', '403', '404', '413', '422', '423', '429', '503', '504'].map((status) => [
    status,
    { description: 'problem', content: { 'application/problem+json': { schema: problem } } },
  ]),
);

function operation(summary: string, request: object, response: object): object {
  return {
    summary,
    security: [{ bearer: [] }],
    parameters: [{ $ref: '#/components/parameters/ref' }],
    requestBody: { required: true, content: { 'application/json': { schema: request } } },
    responses: {
      '200': { description: 'ok', content: { 'application/json': { schema: response } } },
      ...errors,
    },
  };
}

const signing = {
  type: 'object',
  properties: {
    data: bytes,
    digest: bytes,
    hash: {
      enum: [
        'SHA-1',
        'SHA-224',
        'SHA-256',
        'SHA-384',
        'SHA-512',
        'SHA3-256',
        'SHA3-384',
        'SHA3-512',
      ],
    },
    scheme: { enum: ['pkcs1v15', 'pss', 'ecdsa', 'eddsa'] },
    encoding: { enum: ['p1363', 'der'] },
    format: { enum: ['raw', 'openpgp', 'cms'] },
  },
};

/** The OpenAPI 3.1 description served at `/openapi.json`. */
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'keyroute gateway',
    version: '1',
    description:
      'Sign, verify, decrypt and encrypt with keys held by gpg-agent, PKCS#11 tokens and OpenPGP files. Large data is hashed by the client and sent as a digest.',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    parameters: {
      ref: {
        name: 'ref',
        in: 'path',
        required: true,
        description:
          'A gateway key id (`provider:keyId`) or any alias (fingerprint, keygrip, pkcs11: URI), URL-encoded.',
        schema: { type: 'string' },
      },
    },
    schemas: {
      Problem: {
        type: 'object',
        required: ['type', 'title', 'status', 'detail', 'code'],
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          code: { type: 'string' },
        },
      },
      Key: {
        type: 'object',
        required: ['id', 'provider', 'algorithm', 'usages', 'publicKey', 'aliases', 'certificates'],
        properties: {
          id: { type: 'string' },
          provider: { type: 'string' },
          label: { type: 'string' },
          algorithm: {
            type: 'object',
            properties: {
              name: { enum: ['RSA', 'EC', 'Ed25519', 'Ed448', 'X25519', 'X448'] },
              bits: { type: 'integer' },
              curve: { type: 'string' },
            },
          },
          usages: {
            type: 'array',
            items: { enum: ['sign', 'decrypt', 'certify', 'authenticate'] },
          },
          publicKey: bytes,
          aliases: { type: 'object', additionalProperties: { type: 'string' } },
          certificates: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
  paths: {
    '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'ok' } } } },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics',
        responses: { '200': { description: 'text exposition' } },
      },
    },
    '/v1/providers': {
      get: {
        summary: 'Providers and their state',
        security: [{ bearer: [] }],
        responses: { '200': { description: 'ok' }, ...errors },
      },
    },
    '/v1/capabilities': {
      get: {
        summary: 'What the providers behind the gateway can do (core ProviderCapabilities, merged)',
        security: [{ bearer: [] }],
        responses: { '200': { description: 'ok' }, ...errors },
      },
    },
    '/v1/keys': {
      get: {
        summary: 'Keys this app may see',
        security: [{ bearer: [] }],
        responses: { '200': { description: 'ok' }, ...errors },
      },
    },
    '/v1/keys/{ref}': {
      get: {
        summary: 'One key',
        security: [{ bearer: [] }],
        parameters: [{ $ref: '#/components/parameters/ref' }],
        responses: {
          '200': {
            description: 'ok',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Key' } } },
          },
          ...errors,
        },
      },
    },
    '/v1/certificates': {
      get: {
        summary: 'Certificates of keys this app may see',
        security: [{ bearer: [] }],
        responses: { '200': { description: 'ok' }, ...errors },
      },
    },
    '/v1/keys/{ref}/sign': {
      post: operation('Sign', signing, { type: 'object', properties: { signature: bytes } }),
    },
    '/v1/keys/{ref}/verify': {
      post: operation(
        'Verify',
        { ...signing, properties: { ...signing.properties, signature: bytes } },
        {
          type: 'object',
          properties: { valid: { type: 'boolean' }, reason: { type: 'string' } },
        },
      ),
    },
    '/v1/keys/{ref}/decrypt': {
      post: operation(
        'Decrypt (rsa-oaep, ecdh, openpgp)',
        {
          type: 'object',
          properties: {
            ciphertext: bytes,
            scheme: { enum: ['rsa-oaep', 'ecdh'] },
            hash: { type: 'string' },
            label: bytes,
            publicKey: bytes,
            format: { enum: ['openpgp'] },
          },
        },
        { type: 'object', properties: { plaintext: bytes, sharedSecret: bytes } },
      ),
    },
    '/v1/keys/{ref}/encrypt': {
      post: operation(
        'Encrypt (rsa-oaep, ecdh, openpgp)',
        {
          type: 'object',
          properties: {
            plaintext: bytes,
            scheme: { enum: ['rsa-oaep', 'ecdh'] },
            hash: { type: 'string' },
            label: bytes,
            format: { enum: ['openpgp'] },
          },
        },
        {
          type: 'object',
          properties: { ciphertext: bytes, ephemeralPublicKey: bytes, sharedSecret: bytes },
        },
      ),
    },
  },
} as const;
