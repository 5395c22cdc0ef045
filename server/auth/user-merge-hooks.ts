import { processHook } from "../hooks/process-hooks";

/**
 * Runs after a guest's records moved to the account they signed in with, so the workspace layer
 * can move the guest's files too. A failing listener is logged; the person is signed in either way.
 */
const userMerged = processHook<[fromUserId: string, toUserId: string]>("user-merged");

export const onUserMerged = userMerged.on;
export const notifyUserMerged = userMerged.notify;
export type UserMergedListener = Parameters<typeof onUserMerged>[0];
