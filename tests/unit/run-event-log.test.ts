import { createInMemoryRunEventLog } from "../../server/conversations/run-event-log";
import { describeRunEventLogContract } from "../support/run-event-log-contract";

describeRunEventLogContract("in-memory", (options) => createInMemoryRunEventLog(options), { trimsExactly: true });
