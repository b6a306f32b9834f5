// Attend: placeholder until its first file lands.
