# SSM Change Calendars the state machines consult before running; contents in ../calendars/.

resource "aws_ssm_document" "Calendarjobmigratecloseddays5ebb2a974eCC2B3C" {
  name            = "jobmigrate-closed-days-5ebb2a974e"
  document_type   = "ChangeCalendar"
  document_format = "TEXT"
  content         = file("${path.module}/../calendars/jobmigrate-closed-days-5ebb2a974e.ics")
}

resource "aws_ssm_document" "Calendarjobmigraterundays1c95c46f05F0A843" {
  name            = "jobmigrate-run-days-1c95c46f05"
  document_type   = "ChangeCalendar"
  document_format = "TEXT"
  content         = file("${path.module}/../calendars/jobmigrate-run-days-1c95c46f05.ics")
}

resource "aws_ssm_document" "Calendarjobmigraterundays7cd2bca42fE5B0E7" {
  name            = "jobmigrate-run-days-7cd2bca42f"
  document_type   = "ChangeCalendar"
  document_format = "TEXT"
  content         = file("${path.module}/../calendars/jobmigrate-run-days-7cd2bca42f.ics")
}

resource "aws_ssm_document" "Calendarjobmigraterundays9c394d37bf86941D" {
  name            = "jobmigrate-run-days-9c394d37bf"
  document_type   = "ChangeCalendar"
  document_format = "TEXT"
  content         = file("${path.module}/../calendars/jobmigrate-run-days-9c394d37bf.ics")
}

resource "aws_ssm_document" "Calendarjobmigraterundaysfcf3495cc0685AF5" {
  name            = "jobmigrate-run-days-fcf3495cc0"
  document_type   = "ChangeCalendar"
  document_format = "TEXT"
  content         = file("${path.module}/../calendars/jobmigrate-run-days-fcf3495cc0.ics")
}
