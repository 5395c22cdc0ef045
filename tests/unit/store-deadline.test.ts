import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import type { PlatformStore } from "@/server/store/store";
import { withStoreDeadline } from "@/server/store/store-deadline";

/** Only the methods a test calls; the deadline wrapper forwards any name it is asked for. */
function fakeStore(methods: Record<string, (...args: never[]) => unknown>): PlatformStore {
  return { kind: "firestore", ...methods } as unknown as PlatformStore;
}

describe("a store call that does not answer", () => {
  it("fails as store_unavailable at the deadline, with a sentence, instead of hanging", async () => {
    const store = withStoreDeadline(fakeStore({ getAgent: () => new Promise(() => undefined) }), 50);
    const startedAt = Date.now();
    const error = await store.getAgent("a1").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "store_unavailable", message: expect.stringMatching(/can't be reached right now, so nothing was changed/) });
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });

  it("reports an unreachable backend (gRPC UNAVAILABLE) the same way, and passes other errors and answers through", async () => {
    const unavailable = Object.assign(new Error("14 UNAVAILABLE: No connection established"), { code: 14 });
    const store = withStoreDeadline(
      fakeStore({
        getUser: () => Promise.reject(unavailable),
        getConversation: () => Promise.reject(new AppError("not_found", "This conversation does not exist.")),
        findUserByEmail: () => Promise.resolve(null),
      }),
      1_000,
    );
    await expect(store.getUser("u1")).rejects.toMatchObject({ code: "store_unavailable" });
    await expect(store.getConversation("c1")).rejects.toMatchObject({ code: "not_found" });
    await expect(store.findUserByEmail("a@example.com")).resolves.toBeNull();
    expect(store.kind).toBe("firestore");
  });

  it("lets bulk deletes finish however long they take", async () => {
    let finish: () => void = () => undefined;
    const store = withStoreDeadline(fakeStore({ deleteAgent: () => new Promise<void>((resolve) => (finish = resolve)) }), 20);
    const deleting = store.deleteAgent("a1");
    await new Promise((resolve) => setTimeout(resolve, 60));
    finish();
    await expect(deleting).resolves.toBeUndefined();
  });
});
