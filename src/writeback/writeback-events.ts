import type { EventChannel } from "../sync/sync-events";
import type { CompletionView } from "./completion-view";

/** The topic every change of a completion's writeback status is published on, by any process. */
export const WRITEBACK_TOPIC = "writeback.changed";

/** Typed writeback events; the graph subscribes to the same topic. */
export class WritebackEvents {
  constructor(private readonly channel: EventChannel) {}

  changed(views: readonly CompletionView[]): void {
    for (const view of views) this.channel.publish(WRITEBACK_TOPIC, view);
  }
}
