/** Where the single server shows agent-made pages (FILES_ORIGIN): another port, so another origin. */
export const filesPort = Number(process.env.E2E_FILES_PORT ?? Number(process.env.E2E_PORT ?? 3210) + 1);
export const filesOrigin = `http://localhost:${filesPort}`;
