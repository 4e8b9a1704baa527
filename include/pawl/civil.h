/*
 * civil.h - calendar arithmetic without the C library's time zone state:
 * timegm() is not POSIX, and mktime() reads TZ.
 */
#ifndef PAWL_CIVIL_H
#define PAWL_CIVIL_H

/* Days since 1970-01-01 of proleptic Gregorian year `y`, month `m` (1-12), day `d`. */
long long pawl_days_from_civil(long long y, unsigned m, unsigned d);

#endif
