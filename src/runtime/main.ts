// How a process's entry point ends when it cannot start: one line that says why (usually what to
// set or run first, e.g. API_KEYS or DATABASE_URL), the stack only when LOG_LEVEL asks for it.
export async function startOrExplain(name: string, start: () => Promise<void>): Promise<void> {
  try {
    await start();
  } catch (err) {
    const error = err as Error;
    console.error(`sifee ${name} could not start: ${error.message}`);
    if (['debug', 'trace'].includes(process.env.LOG_LEVEL ?? '')) console.error(error.stack);
    process.exit(1);
  }
}
