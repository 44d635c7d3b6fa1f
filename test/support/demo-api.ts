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
}

const demo = createRequire(__filename)(path.join(__dirname, '..', '..', 'demo-api', 'server.js')) as DemoApiModule;

export const startDemoApi = demo.startDemoApi;
export const USERS = demo.USERS;
