import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ProviderError } from '@keyroute/core';

/** Where p11-kit keeps module configs (`<name>.module` with a `module:` line). */
const MODULE_CONFIG_DIRS = ['/etc/pkcs11/modules', '/usr/share/p11-kit/modules'];

/** Where p11-kit looks for a module file named without a directory. */
const MODULE_DIRS = [
  `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/pkcs11`,
  '/usr/lib64/pkcs11',
  '/usr/lib/pkcs11',
];

function moduleLine(configText: string): string | undefined {
  for (const line of configText.split('\n')) {
    const match = /^\s*module\s*:\s*(.+?)\s*$/.exec(line);
    if (match?.[1] !== undefined) return match[1];
  }
  return undefined;
}

/**
 * The path of a module named as RFC 7512's `module-name` does: the p11-kit config
 * `<name>.module` (in /etc/pkcs11/modules, then /usr/share/p11-kit/modules) gives its file;
 * a bare file name is looked up in p11-kit's module directory.
 *
 * @throws ProviderError `UNAVAILABLE` naming the directories searched.
 */
export function resolveModuleName(name: string): string {
  if (!/^[\w.+-]+$/.test(name)) {
    throw new ProviderError('INVALID_INPUT', `module-name "${name}" is not a module name`);
  }
  for (const dir of MODULE_CONFIG_DIRS) {
    const config = join(dir, `${name}.module`);
    if (!existsSync(config)) continue;
    const file = moduleLine(readFileSync(config, 'utf8'));
    if (file === undefined) continue;
    if (isAbsolute(file)) return file;
    const found = MODULE_DIRS.map((moduleDir) => join(moduleDir, file)).find((path) =>
      existsSync(path),
    );
    if (found !== undefined) return found;
  }
  throw new ProviderError(
    'UNAVAILABLE',
    `PKCS#11 module "${name}" is not registered with p11-kit (no ${name}.module in ${MODULE_CONFIG_DIRS.join(' or ')}); give its path with module= instead`,
  );
}
