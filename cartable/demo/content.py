"""The demo course, written by the Cartable project for this box (French, CC BY 4.0)."""

from __future__ import annotations

from typing import Any

COURSE: dict[str, str] = {
    "shortname": "LETTRE-MOTIV",
    "title": "Écrire une lettre de motivation",
    "summary": (
        "<p>Un court cours pour apprendre à écrire une lettre de motivation claire : "
        "à quoi elle sert, comment la construire, et un exemple commenté.</p>"
    ),
}

SECTIONS: list[dict[str, Any]] = [
    {
        "title": "Présentation",
        "summary": "<p>Commencez ici : ce que vous allez apprendre et comment avancer.</p>",
        "activities": [
            {
                "kind": "page",
                "title": "Bienvenue dans ce cours",
                "content": """
<p>Bienvenue ! Ce cours vous aide à écrire une <strong>lettre de motivation</strong> pour
une formation, un stage ou un emploi.</p>
<p>Il a trois parties :</p>
<ol>
  <li>comprendre à quoi sert la lettre ;</li>
  <li>la construire en trois parties ;</li>
  <li>garder une fiche mémo.</li>
</ol>
<p>Avancez à votre rythme. Vous pouvez revenir sur chaque page autant de fois que vous le
voulez.</p>
""",
            }
        ],
    },
    {
        "title": "Comprendre la lettre de motivation",
        "summary": "<p>Pourquoi écrire une lettre, et ce que le lecteur y cherche.</p>",
        "activities": [
            {
                "kind": "page",
                "title": "À quoi sert une lettre de motivation ?",
                "content": """
<p>La lettre de motivation accompagne votre CV. Le CV dit <em>ce que vous avez fait</em> ;
la lettre dit <em>pourquoi vous voulez ce poste ou cette formation</em>, et
<em>ce que vous pouvez apporter</em>.</p>
<h2>Ce que le lecteur cherche</h2>
<ul>
  <li>que vous connaissez la formation ou l'entreprise ;</li>
  <li>que votre projet est réfléchi ;</li>
  <li>que vous savez écrire clairement, sans fautes.</li>
</ul>
<p>Une bonne lettre tient sur <strong>une page</strong>.</p>
""",
            },
            {
                "kind": "page",
                "title": "Les mots utiles",
                "content": """
<p>Quelques expressions pour commencer et finir une lettre :</p>
<table>
  <thead><tr><th scope="col">Moment</th><th scope="col">Exemple</th></tr></thead>
  <tbody>
    <tr><td>Pour commencer</td><td>Madame, Monsieur,</td></tr>
    <tr><td>Pour présenter sa demande</td><td>Je souhaite m'inscrire à la formation…</td></tr>
    <tr><td>Pour parler de soi</td><td>J'ai acquis une expérience en…</td></tr>
    <tr><td>Pour finir</td><td>Je vous prie d'agréer, Madame, Monsieur, mes salutations distinguées.</td></tr>
  </tbody>
</table>
""",
            },
        ],
    },
    {
        "title": "Construire sa lettre",
        "summary": "<p>Le plan en trois parties, puis un exemple.</p>",
        "activities": [
            {
                "kind": "page",
                "title": "Le plan en trois parties",
                "content": """
<p>On retient souvent le plan <strong>« vous, moi, nous »</strong> :</p>
<ol>
  <li><strong>Vous</strong> : ce que vous savez de la formation ou de l'entreprise, et pourquoi
  elle vous intéresse.</li>
  <li><strong>Moi</strong> : ce que vous avez appris, vos qualités, avec un exemple concret.</li>
  <li><strong>Nous</strong> : ce que vous ferez ensemble, et votre demande d'entretien.</li>
</ol>
<p>Chaque partie tient en un paragraphe de trois à cinq phrases.</p>
""",
            },
            {
                "kind": "page",
                "title": "Exemple commenté",
                "content": """
<blockquote>
<p>Madame, Monsieur,</p>
<p>Votre formation de <em>technicien de maintenance</em> prépare à un métier qui recrute dans
ma région. Elle m'intéresse parce qu'elle alterne cours et travaux pratiques.</p>
<p>Pendant deux ans, j'ai réparé des machines dans un atelier. J'ai appris à lire un schéma,
à travailler en équipe et à respecter les consignes de sécurité.</p>
<p>Je serais heureux de vous présenter mon projet lors d'un entretien.</p>
<p>Je vous prie d'agréer, Madame, Monsieur, mes salutations distinguées.</p>
</blockquote>
<p><strong>Ce qui marche :</strong> des phrases courtes, un exemple concret (l'atelier), une
demande claire à la fin.</p>
""",
            },
        ],
    },
    {
        "title": "Fiche à garder",
        "summary": "<p>Une fiche à imprimer ou à relire avant d'écrire.</p>",
        "activities": [
            {
                "kind": "resource",
                "title": "Fiche mémo : la lettre en 6 points",
                "filename": "fiche-memo-lettre.pdf",
                "mimetype": "application/pdf",
                "pdf_title": "La lettre de motivation en 6 points",
                "pdf_lines": [
                    "1. Une page, pas plus.",
                    "2. Commencer par : Madame, Monsieur,",
                    "3. Vous : pourquoi cette formation ou cette entreprise.",
                    "4. Moi : ce que j'ai appris, avec un exemple concret.",
                    "5. Nous : ce que nous ferons ensemble, demander un entretien.",
                    "6. Relire : orthographe, date, signature.",
                ],
            }
        ],
    },
]
