"""Pages of the calls, by audience: applicants and the public (`applications`), the jury
and staff (`jury`), Start IA coaching (`coaching`)."""
