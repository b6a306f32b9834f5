// AttendTrain: placeholder until its first file lands.
