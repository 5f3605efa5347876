import { createClient, type RedisClientType } from "@redis/client";
import { DomainError } from "../../errors/DomainError.js";

export type RedisClient = RedisClientType;

/** How long one command may take before the request that needs it is refused (Redis stalled or unreachable). */
const COMMAND_TIMEOUT_MS = 1000;

/**
 * One Redis client for everything a replica shares (sessions, locks, rate limits). Commands never queue while
 * the connection is down and time out after a second, so a request that needs Redis is refused at once with
 * `store_unavailable` instead of hanging; the client reconnects by itself, within a second of Redis being back.
 */
export class RedisConnection {
  private constructor(
    readonly client: RedisClient,
    private readonly onError: (error: Error) => void,
  ) {}

  /**
   * Connects, waiting at most the command timeout: a Redis that is not up yet (replicas and Redis started
   * together, or Redis restarting) does not stop the replica, whose requests get `store_unavailable` until the
   * client, reconnecting by itself, reaches it.
   */
  static async open(url: string, onError: (error: Error) => void = () => undefined): Promise<RedisConnection> {
    const client: RedisClient = createClient({
      url,
      disableOfflineQueue: true,
      commandOptions: { timeout: COMMAND_TIMEOUT_MS },
      socket: {
        connectTimeout: COMMAND_TIMEOUT_MS,
        // Again and again, every 100 ms at first and at most every second: Redis restarts are expected.
        reconnectStrategy: (retries: number) => Math.min(100 * (retries + 1), 1000),
      },
    });
    // Without a listener, a lost connection's 'error' event would crash the process.
    client.on("error", onError);
    const connection = new RedisConnection(client, onError);
    // node-redis retries a first connection by the reconnect strategy too; the promise settles once connected.
    const connecting = client.connect();
    await connection.run(() => connecting).catch(() => undefined);
    return connection;
  }

  /**
   * Runs Redis work, for at most the command timeout: a failure to reach Redis, or a Redis that has stopped
   * answering (node-redis times a command out only until it is written), becomes a `store_unavailable`.
   * Work still under way then may yet be applied; fenced writes check their lease when Redis runs them.
   */
  async run<T>(work: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${COMMAND_TIMEOUT_MS} ms`)), COMMAND_TIMEOUT_MS);
    });
    const running = work();
    running.catch(() => undefined);
    try {
      return await Promise.race([running, timedOut]);
    } catch (error) {
      throw toDomainError(error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** True when Redis answers a PING within the command timeout. */
  async available(): Promise<boolean> {
    if (!this.client.isReady) return false;
    return this.run(() => this.client.ping()).then(() => true, () => false);
  }

  async close(): Promise<void> {
    this.client.off("error", this.onError);
    this.client.on("error", () => undefined);
    if (this.client.isOpen) await this.client.close().catch(() => this.client.destroy());
  }
}

export function toDomainError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  return new DomainError("store_unavailable", "The shared state (Redis) is unavailable; try again shortly.", {
    retryAfterSeconds: 1,
    cause: error,
  });
}
