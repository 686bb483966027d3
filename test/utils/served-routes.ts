import { RequestMethod } from '@nestjs/common';
import { GUARDS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import type { TestApp } from './test-app';

/** A served route and the guards on it (its controller's, then its handler's). */
export type Route = { method: string; url: string; guards: unknown[] };

/** The routes the app's controllers declare, as Fastify actually serves them (with or without the /api prefix). */
export function controllerRoutes(t: TestApp): Route[] {
  const fastify = t.app.getHttpAdapter().getInstance() as FastifyInstance;
  const routes: Route[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as new () => object;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = controller.prototype[name as keyof object];
        const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (requestMethod === undefined) continue;
        const method = RequestMethod[requestMethod];
        const path = `/${[base, String(Reflect.getMetadata(PATH_METADATA, handler) ?? '')].map(trimSlashes).filter(Boolean).join('/')}`;
        const url = [`/api${path}`, path].find((candidate) =>
          fastify.hasRoute({ method: method as HTTPMethods, url: candidate }),
        );
        expect({ method, path, served: Boolean(url) }).toEqual({ method, path, served: true });
        const guards = [controller, handler].flatMap(
          (target) => (Reflect.getMetadata(GUARDS_METADATA, target) as unknown[] | undefined) ?? [],
        );
        routes.push({ method, url: url!, guards });
      }
    }
  }
  return routes;
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}
