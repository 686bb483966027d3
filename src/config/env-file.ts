/** Loads `.env` from the working directory when there is one (CLI scripts; Nest's ConfigModule does the same for the app). */
export function loadEnvFileIfPresent(): void {
  try {
    process.loadEnvFile();
  } catch {
    // No .env file: the environment alone configures the process.
  }
}
