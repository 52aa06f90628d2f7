import type { Express } from "express";
import type { RequestAuthenticator } from "../auth/request-authenticator";
import { MemberImporter } from "../imports/member-import";
import { createImportRouter, IMPORTS_PATH } from "./imports/import.routes";
import type { IngestConfig } from "../config/ingest.config";
import type { ImportConfig } from "../config/import.config";
import type { GraphServices } from "../graph/context";
import { DatabaseReplayGuard } from "../sso/replay/database-replay.guard";
import type { TransactionRunner } from "../db/transaction-runner";
import type { Clock } from "../time/clock";
import { IdempotencyStore } from "./push/idempotency.store";
import { createPushRouter, PUSH_PATH } from "./push/push.routes";
import { createWebhookRouter, WEBHOOK_PATH } from "./webhooks/webhook.routes";

/**
 * The ingestion routes beside /graphql (DESIGN §12), each mounted only when configured: the
 * push API with PUSH_API_KEYS, the change webhook with WEBHOOK_SECRETS. Unconfigured, they are 404.
 * The CSV import is always there, for admins only.
 */
export function mountIngest(
  app: Express,
  deps: {
    config: IngestConfig;
    imports: ImportConfig;
    services: GraphServices;
    transactions: TransactionRunner;
    clock: Clock;
    authenticator: RequestAuthenticator;
  },
): void {
  const { config, services, transactions, clock } = deps;
  const importer = new MemberImporter({
    sync: services.sync,
    dataSource: services.dataSource,
    transactions,
    replaceMaxDisableShare: deps.imports.replaceMaxDisableShare,
  });
  app.use(IMPORTS_PATH, createImportRouter({ authenticator: deps.authenticator, importer, logger: services.logger }));
  if (config.push.apiKeys.length > 0) {
    app.use(
      PUSH_PATH,
      createPushRouter({
        config: config.push,
        sync: services.sync,
        idempotency: new IdempotencyStore(transactions, clock),
        logger: services.logger,
      }),
    );
  }
  if (config.webhook.secrets.length > 0) {
    app.use(
      WEBHOOK_PATH,
      createWebhookRouter({
        config: config.webhook,
        sync: services.sync,
        deliveries: new DatabaseReplayGuard(transactions, clock, "webhook"),
        clock,
        logger: services.logger,
      }),
    );
  }
}
