// AttendModel: placeholder until its first file lands.
