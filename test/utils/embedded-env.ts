// The e2e-embedded Jest project: every createTestApp() of the suite runs in embedded mode
// (SQLite file, no Redis). Set before the spec imports test-env, which reads it.
process.env.TEST_DB_TYPE = 'sqlite';
