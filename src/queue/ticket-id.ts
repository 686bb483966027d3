/** A ticket id: 24 URL-safe characters (144 random bits); anything else is simply not found. */
export const TICKET_ID = /^[A-Za-z0-9_-]{16,64}$/;
