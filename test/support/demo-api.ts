/**
 * The bundled demo API (demo-api/server.js, plain JavaScript) with the types the tests read of it.
 *
 *   const api = await startDemoApi({ port: 0 });   // api.baseUrl is the /api URL
 */
import { createRequire } from 'node:module';
import type http from 'node:http';
import path from 'node:path';

export interface DemoUser {
  id: number;
  name: string;
  email: string;
  address: { street: string; city: string };
  active: boolean;
}

export interface RunningDemoApi {
  /** Its origin, e.g. http://127.0.0.1:1234. */
  url: string;
  /** The /api URL to put in a rest-connection. */
  baseUrl: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

interface DemoApiModule {
  startDemoApi: (options?: { port?: number; host?: string }) => Promise<RunningDemoApi>;
  USERS: DemoUser[];
  DEFAULT_PORT: number;
  DEMO_TOKEN: string;
  DEMO_USER: { username: string; password: string };
  DEMO_API_KEY: string;
}

const demo = createRequire(__filename)(path.join(__dirname, '..', '..', 'demo-api', 'server.js')) as DemoApiModule;

export const startDemoApi = demo.startDemoApi;
export const USERS = demo.USERS;
/** The port `npm run demo-api` and `npm start` use unless DEMO_API_PORT is set (8765). */
export const DEFAULT_PORT = demo.DEFAULT_PORT;
/** The credentials /api/secure accepts. */
export const DEMO_TOKEN = demo.DEMO_TOKEN;
export const DEMO_USER = demo.DEMO_USER;
export const DEMO_API_KEY = demo.DEMO_API_KEY;
