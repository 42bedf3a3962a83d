import type { Plugin } from 'graphql-yoga';

/** Per operation: whether one of its mutations changed config that data planes serve. */
export interface ConfigChangeMark {
  changed: boolean;
}

/**
 * Publishes config changes once per operation instead of once per mutation field. Mutation
 * fields run one after another, and each used to wait for its own snapshot rebuild: a document
 * of 200 aliased mutations rebuilt and shipped the whole snapshot 200 times. Resolvers now only
 * mark the operation (see `configChangeDeps` in handler.ts); this hook publishes after the last
 * field and before the response leaves, so a client still sees its mutation's answer only once
 * the data plane has the change. Concurrent operations coalesce further in the publisher (one
 * rebuild in flight, the next covering every change made meanwhile).
 */
export function useConfigChangeBatching(publish: () => Promise<void>): Plugin {
  return {
    onExecute({ args }) {
      return {
        async onExecuteDone() {
          const mark = (args.contextValue as { configChange?: ConfigChangeMark }).configChange;
          if (mark === undefined || !mark.changed) return;
          mark.changed = false;
          await publish();
        },
      };
    },
  };
}
