import { registerAs } from '@nestjs/config';
import { adminTokensOf, validateEnv } from './env.validation';

export const adminConfig = registerAs('admin', () => {
  const env = validateEnv(process.env);
  return {
    /** Empty: the admin API is disabled. */
    tokens: adminTokensOf(env.ADMIN_API_TOKEN),
  };
});

export type AdminConfig = ReturnType<typeof adminConfig>;
