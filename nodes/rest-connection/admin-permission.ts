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
  return (req: Request, res: Response, next: NextFunction) => {
    const attempt = (index: number): void => {
      if (index === checks.length - 1) return void checks[index](req, res, next);
      // A refusal of this permission (status 401 through res.status) means "try the next one";
      // everything else, such as passport answering a missing token, goes to the real response.
      const tryNext = () => attempt(index + 1);
      const refusal = { end: tryNext, send: tryNext, json: tryNext };
      const probe = new Proxy(res, {
        get(target, property) {
          if (property === 'status') return (code: number) => (code === 401 ? refusal : target.status(code));
          const value = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
        set: (target, property, value) => Reflect.set(target, property, value, target),
      });
      checks[index](req, probe, next);
    };
    attempt(0);
  };
}
