/**
 * `POST /rest-connection/jsonpath-check` `{path}`: checks a JSONPath from an edit dialog with the
 * runtime's own parser (lib/extract's CompiledPath: normalizePath, checkSyntax, checkScript,
 * jsonpath-plus), so the editor marks a path the nodes would reject with ERR_JSONPATH before the
 * flow is deployed. Answers `{ok: true}` or `{ok: false, code: 'ERR_JSONPATH', message}`.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { NodeAPI } from 'node-red';
import { isRestError } from '../../lib/errors';
import { CompiledPath } from '../../lib/extract/compiled-path';

/** Longer paths are refused unread: no JSONPath a form holds comes near it. */
export const MAX_CHECKED_PATH_LENGTH = 4096;

export function registerJsonPathCheckRoute(RED: NodeAPI, permission: RequestHandler): void {
  RED.httpAdmin.post('/rest-connection/jsonpath-check', permission, (req: Request, res: Response) => {
    const { path } = (req.body ?? {}) as { path?: unknown };
    if (typeof path !== 'string' || path.length > MAX_CHECKED_PATH_LENGTH) {
      res.status(400).json({
        error: {
          code: 'ERR_CONFIG',
          message: `Give the JSONPath to check as {"path": "..."}, at most ${MAX_CHECKED_PATH_LENGTH} characters.`,
        },
      });
      return;
    }
    res.json(checkJsonPath(path));
  });
}

export function checkJsonPath(path: string): { ok: true } | { ok: false; code: string; message: string } {
  try {
    new CompiledPath('path', path);
    return { ok: true };
  } catch (err) {
    if (isRestError(err)) return { ok: false, code: err.code, message: err.message };
    return { ok: false, code: 'ERR_JSONPATH', message: 'The path could not be checked.' };
  }
}
