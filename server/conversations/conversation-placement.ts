/**
 * Where each live conversation is at home when several servers share the people: the one server
 * whose CLI holds it (so two servers never run two CLIs on one conversation), and the run going
 * on there, so a client that lands on any server resumes at the right event. One server needs
 * none of this: it is home to everything.
 */
export interface ConversationPlacement {
  /** This server becomes the conversation's home (its CLI lives here now). */
  claim(conversationId: string): Promise<void>;
  /** Becomes its home unless another server is: a prewarm must not start a second CLI. */
  claimIfFree(conversationId: string): Promise<boolean>;
  /** The server that is the conversation's home, if it is another one than this. */
  homeElsewhere(conversationId: string): Promise<string | null>;
  /** Moves the conversation here from `from`, which is gone; false when someone else moved it first. */
  takeOver(conversationId: string, from: string): Promise<boolean>;
  runStarted(conversationId: string, run: PlacedRun): Promise<void>;
  runEnded(conversationId: string, runId: string): Promise<void>;
  /** The run going on in the conversation on any server. */
  activeRun(conversationId: string): Promise<PlacedRun | null>;
}

export interface PlacedRun {
  runId: string;
  /** Sequence number of its run_started event. */
  startSeq: number;
  instanceId: string;
}
