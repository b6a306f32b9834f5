// AttendEval: placeholder until its first file lands.
