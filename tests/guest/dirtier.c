/* The test guest's workload: a counter a test can read on the serial console
 * and a steady page-dirtying rate that migration tests can tune.
 *
 *   dirtier [-r MIB_PER_S] [-m WORKING_SET_MIB] [-q]
 *
 * Every 100 ms it prints "VB-COUNTER <n>" (n = 1, 2, 3, ...) unless -q is
 * given, and it writes one byte into MIB_PER_S * 256 pages of the working set
 * per second. The writes are spread over ten 10 ms slices per period, so a
 * migration sees a smooth rate rather than one burst every 100 ms.
 *
 * Built with `gcc -static` by tests/guest/build-guest.sh: the guest's
 * initramfs has no C library of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE_SIZE 4096u
#define PERIOD_NS 100000000LL /* one counter line per period */
#define SLICES_PER_PERIOD 10  /* dirtying is spread over these */
#define NS_PER_S 1000000000LL

static int64_t
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static void
sleep_until (int64_t deadline_ns)
{
  struct timespec ts = {
    .tv_sec = deadline_ns / NS_PER_S,
    .tv_nsec = deadline_ns % NS_PER_S,
  };

  while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
    ;
}

/* One write(2) per line, so the line never interleaves with what the shell on
 * the same console prints. */
static void
print_counter (unsigned long long n)
{
  char line[48];
  int len = snprintf (line, sizeof line, "VB-COUNTER %llu\n", n);

  if (write (STDOUT_FILENO, line, (size_t) len) < 0)
    {
      /* Nothing sensible to do on a console write error; keep counting so the
       * dirtying rate does not change behind the test's back. */
    }
}

static unsigned long
parse_number (const char *arg, const char *what)
{
  char *end = NULL;
  unsigned long value;

  errno = 0;
  value = strtoul (arg, &end, 10);
  if (errno != 0 || end == arg || *end != '\0')
    {
      fprintf (stderr, "dirtier: bad %s '%s'\n", what, arg);
      exit (2);
    }
  return value;
}

int
main (int argc, char **argv)
{
  unsigned long rate_mib_s = 0;
  unsigned long mem_mib = 16;
  int print = 1;
  int opt;
  size_t n_pages;
  size_t next_page = 0;
  uint8_t *mem;
  unsigned long long counter = 0;
  unsigned long long pages_per_s;
  unsigned long long dirtied = 0;
  int64_t start;
  int64_t period_start;

  while ((opt = getopt (argc, argv, "r:m:q")) != -1)
    {
      switch (opt)
        {
        case 'r':
          rate_mib_s = parse_number (optarg, "rate");
          break;
        case 'm':
          mem_mib = parse_number (optarg, "working set size");
          break;
        case 'q':
          print = 0;
          break;
        default:
          fprintf (stderr, "usage: dirtier [-r MIB_PER_S] [-m MIB] [-q]\n");
          return 2;
        }
    }

  if (mem_mib == 0)
    mem_mib = 1;
  n_pages = (size_t) mem_mib * (1024 * 1024 / PAGE_SIZE);

  /* MAP_POPULATE plus the explicit touch below make the whole working set
   * resident before the first tick, so the dirtying rate is not mixed with
   * first-touch page faults. */
  mem = mmap (NULL, n_pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
              MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (mem == MAP_FAILED)
    {
      fprintf (stderr, "dirtier: cannot map %lu MiB: %s\n", mem_mib, strerror (errno));
      return 1;
    }
  for (size_t i = 0; i < n_pages; i++)
    mem[i * PAGE_SIZE] = 1;

  pages_per_s = (unsigned long long) rate_mib_s * (1024 * 1024 / PAGE_SIZE);
  start = now_ns ();
  period_start = start;

  for (;;)
    {
      counter++;
      if (print)
        print_counter (counter);

      for (int slice = 1; slice <= SLICES_PER_PERIOD; slice++)
        {
          /* Dirty as many pages as the rate allows up to the end of this
           * slice, counted from the start, so rounding never accumulates. */
          int64_t slice_end = period_start + PERIOD_NS * slice / SLICES_PER_PERIOD;
          unsigned long long target =
            pages_per_s * (unsigned long long) (slice_end - start) / NS_PER_S;

          for (; dirtied < target; dirtied++)
            {
              mem[next_page * PAGE_SIZE]++;
              if (++next_page == n_pages)
                next_page = 0;
            }
          sleep_until (slice_end);
        }

      period_start += PERIOD_NS;
      /* A guest that was paused (QMP stop) or starved for CPU would otherwise
       * print a burst of lines and dirty a burst of pages to catch up; skip
       * the missed periods instead and restart the rate accounting, so there
       * is one line per 100 ms of running time and never more than the rate. */
      if (now_ns () - period_start > PERIOD_NS)
        {
          period_start = now_ns ();
          start = period_start;
          dirtied = 0;
        }
    }
}
