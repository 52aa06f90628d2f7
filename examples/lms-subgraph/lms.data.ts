/** The example LMS's catalogue and records, in memory: the member keys are amsgate's (demo keys work). */
export interface Course {
  code: string;
  title: string;
  credits: number;
}

export interface Enrollment {
  memberKey: string;
  courseCode: string;
  enrolledOn: string;
  status: "ACTIVE" | "COMPLETED" | "WITHDRAWN";
}

export interface Completion {
  memberKey: string;
  courseCode: string;
  completedOn: string;
  score: number;
}

export interface LmsData {
  courses: Course[];
  enrollments: Enrollment[];
  completions: Completion[];
}

/** A small catalogue; `memberKeys` are the members who take part (the first completes the most). */
export function sampleLmsData(memberKeys: string[]): LmsData {
  const courses: Course[] = [
    { code: "ETH-101", title: "Professional Ethics", credits: 2 },
    { code: "FIN-201", title: "Governance for Board Members", credits: 3 },
    { code: "LDR-301", title: "Leading Volunteer Committees", credits: 1.5 },
  ];
  const enrollments: Enrollment[] = [];
  const completions: Completion[] = [];
  memberKeys.forEach((memberKey, index) => {
    for (const [position, course] of courses.entries()) {
      if ((index + position) % 2 === 1) continue;
      const done = position <= index % courses.length;
      enrollments.push({
        memberKey,
        courseCode: course.code,
        enrolledOn: `2026-0${position + 1}-15`,
        status: done ? "COMPLETED" : "ACTIVE",
      });
      if (done) completions.push({ memberKey, courseCode: course.code, completedOn: `2026-0${position + 4}-30`, score: 80 + position * 5 });
    }
  });
  return { courses, enrollments, completions };
}
