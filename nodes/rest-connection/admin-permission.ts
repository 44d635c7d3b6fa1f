/**
 * Admin routes of rest-connection accept either permission the contract names:
 * `rest-connection.write`, or `flows.write` (a user who may deploy flows may test and
 * authorize the connections in them). Node-RED's needsPermission checks one permission;
 * this tries each in turn and refuses only when all refuse.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { NodeAPI } from 'node-red';

export const ADMIN_PERMISSIONS = ['rest-connection.write', 'flows.write'];

export function needsAnyPermission(RED: NodeAPI, permissions: string[] = ADMIN_PERMISSIONS): RequestHandler {
  const checks = permissions.map((permission) => RED.auth.needsPermission(permission) as RequestHandler);
  // The last check answers for itself; each one before it hands a refusal on to the next.
  const chain = checks.reduceRight<RequestHandler | undefined>(
    (fallback, check) => (fallback ? orElse(check, fallback) : check),
    undefined,
  );
  if (!chain) throw new Error('needsAnyPermission needs at least one permission');
  return chain;
}

/**
 * `check`, except that its refusal of the permission (status 401 through res.status) runs
 * `fallback` instead; everything else, such as passport answering a missing token, goes to the
 * real response.
 */
function orElse(check: RequestHandler, fallback: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const tryNext = () => fallback(req, res, next);
    const refusal = { end: tryNext, send: tryNext, json: tryNext };
    const probe = new Proxy(res, {
      get(target, property) {
        if (property === 'status') return (code: number) => (code === 401 ? refusal : target.status(code));
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
      set: (target, property, value) => Reflect.set(target, property, value, target),
    });
    return check(req, probe, next);
  };
}
