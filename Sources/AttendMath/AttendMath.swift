// AttendMath: placeholder until its first file lands.
