/**
 * got is ESM-only and this package compiles to CommonJS (Node-RED 4 `require`s nodes): it is
 * loaded once with a real `import()`, which TypeScript keeps as is under Node16 modules.
 */
import type * as GotModule from 'got' with { 'resolution-mode': 'import' };

export type Got = GotModule.Got;
export type GotOptions = GotModule.Options;
export type GotNormalizedOptions = Parameters<GotModule.BeforeRedirectHook>[0];
export type GotOptionsInit = GotModule.OptionsInit;
export type GotResponse<T> = GotModule.Response<T>;
export type RetryObject = GotModule.RetryObject;

let gotModule: Promise<typeof GotModule> | undefined;

export function loadGot(): Promise<typeof GotModule> {
  gotModule ??= import('got');
  return gotModule;
}
