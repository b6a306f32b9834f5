// AttendImage: placeholder until its first file lands.
