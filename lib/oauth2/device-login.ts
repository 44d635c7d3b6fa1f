/**
 * RFC 8628 device authorization: the answer of the device authorization endpoint read and
 * checked, and the state of one login while the runtime polls the token endpoint (the user
 * logs in on another device meanwhile).
 */
import { RestError } from '../errors';

/** RFC 8628 §3.4. */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** §3.2: the polling interval when the server names none; §3.5: what slow_down adds. */
export const DEFAULT_INTERVAL_S = 5;
export const SLOW_DOWN_STEP_S = 5;
/** However small an interval the server names, the runtime does not ask more often than this. */
const MIN_INTERVAL_S = 1;

/** What the editor shows the user (the admin route's answer). */
export interface DeviceLoginStart {
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  /** Seconds until the codes expire. */
  expiresIn: number;
}

export type DeviceLoginState = 'pending' | 'authorized' | 'denied' | 'expired' | 'failed';

export interface DeviceLoginStatus {
  state: DeviceLoginState;
  /** Seconds between two polls now (grows by 5 with each slow_down). */
  intervalS: number;
  /** What went wrong, for the user (redacted). */
  message?: string;
}

export interface DeviceAuthorization extends DeviceLoginStart {
  deviceCode: string;
  intervalS: number;
}

/** The device authorization answer; ERR_AUTH when a field RFC 8628 §3.2 requires is missing. */
export function readDeviceAuthorization(answer: unknown): DeviceAuthorization {
  const body = (answer && typeof answer === 'object' ? answer : {}) as Record<string, unknown>;
  const text = (name: string) => (typeof body[name] === 'string' && body[name] !== '' ? body[name] : undefined);
  const deviceCode = text('device_code');
  const userCode = text('user_code');
  // Google answers verification_url (an older draft's name).
  const verificationUri = text('verification_uri') ?? text('verification_url');
  const expiresIn = Number(body.expires_in);
  if (!deviceCode || !userCode || !verificationUri || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw new RestError(
      'ERR_AUTH',
      'The device authorization endpoint answered without device_code, user_code, verification_uri or expires_in (RFC 8628 §3.2).',
    );
  }
  const interval = Number(body.interval);
  return {
    deviceCode,
    userCode,
    verificationUri,
    verificationUriComplete: text('verification_uri_complete'),
    expiresIn,
    intervalS: Math.max(MIN_INTERVAL_S, Number.isFinite(interval) && interval > 0 ? interval : DEFAULT_INTERVAL_S),
  };
}
