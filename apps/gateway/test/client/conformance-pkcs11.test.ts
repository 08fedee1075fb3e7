import { describeProviderConformance } from '@keyroute/core/testing';
import { createSoftHsmToken, type SoftHsmToken } from '@keyroute/testbed';
import { afterAll } from 'vitest';
import { createGatewayClient } from '@keyroute/client';
import { startTestGateway, type TestGateway } from './test-gateway.js';

let started: Promise<{ gateway: TestGateway; token: SoftHsmToken }> | undefined;

async function start(): Promise<{ gateway: TestGateway; token: SoftHsmToken }> {
  const token = await createSoftHsmToken();
  // SoftHSM reads its configuration when the module is initialised in this process.
  process.env['SOFTHSM2_CONF'] = token.conf;
  process.env['KR_CLIENT_TEST_PIN'] = token.pin;
  const gateway = await startTestGateway([
    {
      id: 'hsm',
      type: 'pkcs11',
      module: token.module,
      token: `pkcs11:token=${token.label};serial=${token.serial}`,
      pin: { env: 'KR_CLIENT_TEST_PIN' },
    },
  ]);
  return { gateway, token };
}

afterAll(async () => {
  const running = await started;
  await running?.gateway[Symbol.asyncDispose]();
  await running?.token.dispose();
});

describeProviderConformance({
  name: 'client → gateway → pkcs11 (SoftHSM2)',
  create: async () => {
    started ??= start();
    const { gateway } = await started;
    return {
      provider: await createGatewayClient({ address: { url: gateway.url }, token: gateway.token }),
    };
  },
});
